"""Benchmarks of airtable-enterprise against pyairtable 3.5, over a loopback emulator.

Run ``python -m benchmarks`` (full run, writes ``benchmarks/RESULTS.md`` and
``benchmarks/results.png``) or ``python -m benchmarks --quick --out DIR`` (small sizes,
under a minute). See ``benchmarks/README`` section of the project README.

Layout: :mod:`.settings` (sizes, latencies, limits), :mod:`.emulator` (the server
process), :mod:`.worker` (one measured client run per subprocess), :mod:`.clients`
(the workload functions: ours and pyairtable's), :mod:`.workloads` (what each
benchmark runs and the ratios it reports), :mod:`.report` (RESULTS.md and the chart),
:mod:`.machine` (facts about the machine), :mod:`.cli` (the runner).
"""
