"""The client workload functions a worker measures: ``ours`` (this library),
``pyair`` (pyairtable 3.5, benchmark-only) and ``conversion`` (in-process, no I/O)."""
