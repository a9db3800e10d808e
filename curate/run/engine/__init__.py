"""Sharded, resumable runs at corpus scale: shards on disk, global steps in phases, local or Ray.

:mod:`~curate.run.engine.run` drives a run; :mod:`~curate.run.engine.executors` runs shard tasks in a
process pool or on Ray; :mod:`~curate.run.engine.rundir` keeps the run folder and its manifest;
:mod:`~curate.run.engine.reader` streams inputs in chunks and counts what it saw;
:mod:`~curate.run.engine.export` writes the DuckDB file from the shard files.
"""
