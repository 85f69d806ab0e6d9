// defines: init_distributed, finalize_distributed — how main() joins the world
// it was launched into: under mpirun (WEFT_MPI builds) the MPI world becomes
// world(); otherwise world() stays the single process.
#pragma once

namespace weft {

// True when this process was started by an MPI launcher (mpirun, srun with PMIx).
bool launched_by_mpi();
// Initializes MPI when launched by it and installs its world; a no-op otherwise.
// Throws ConfigError when launched by mpirun but this build has no MPI.
void init_distributed(int* argc, char*** argv);
// MPI_Finalize when init_distributed started MPI.
void finalize_distributed();

}  // namespace weft
