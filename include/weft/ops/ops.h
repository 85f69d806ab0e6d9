// defines: nothing; includes every op family (the header nn/ code uses).
#pragma once

#include "weft/ops/attention.h"
#include "weft/ops/dropout.h"
#include "weft/ops/elementwise.h"
#include "weft/ops/fft.h"
#include "weft/ops/indexing.h"
#include "weft/ops/matmul.h"
#include "weft/ops/norm.h"
#include "weft/ops/op.h"
#include "weft/ops/reduce.h"
#include "weft/ops/shape_ops.h"
#include "weft/ops/softmax.h"
