"""What every stage shares about data.db, and nothing else: how a table is
made or brought up to date, how a table is replaced only when its rows
changed, who may write it (one writer at a time), the clock, and
percentiles. Stages meet only in data.db; this package is a library they
use, never a stage."""
