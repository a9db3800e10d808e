"""Sharded, resumable runs at corpus scale: shards on disk, global steps in phases, local or Ray.

:mod:`~curate.engine.run` drives a run; :mod:`~curate.engine.executors` runs shard tasks in a
process pool or on Ray; :mod:`~curate.engine.rundir` keeps the run folder and its manifest;
:mod:`~curate.engine.reader` streams inputs in chunks and counts what it saw;
:mod:`~curate.engine.export` writes the DuckDB file from the shard files.
"""
