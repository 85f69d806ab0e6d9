// defines: nothing; includes the whole recipe layer (diagnostics, view, schema,
// recipe loading and validation) for consumers that want all of it.
#pragma once

#include "weft/config/diagnostics.h"
#include "weft/config/recipe.h"
#include "weft/config/schema.h"
#include "weft/config/validate.h"
#include "weft/config/view.h"
