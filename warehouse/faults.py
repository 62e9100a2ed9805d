"""The pipeline's named crash points (the mechanism and its environment variables: radforge/faults.py).

Points: `ingest:mid_write` (temporary file written, not renamed), `ingest:after_write` (chunk files
renamed into place, ledger not committed), `ingest:ledger_commit` / `ingest:file_commit` (inside the
DuckDB transaction, before COMMIT), `deid:mid_write`, `deid:after_write`, `deid:ledger_commit`,
`pairs:after_parquet`, `pairs:after_run_json`, `pairs:ledger_commit`, `views:commit`,
`snapshot:mid_write`, `snapshot:after_rename`, `snapshot:ledger_commit`, `train:step_end`,
`train:mid_checkpoint` (model saved into the checkpoint, optimizer and trainer state not yet),
`train:before_trainer_state` (the checkpoint's step record written, its trainer state not yet),
`train:after_checkpoint`, `train:retiring_checkpoint` (an old checkpoint renamed away, not yet deleted),
`train:after_final_checkpoint` (every step trained and saved, the run not
yet marked completed), `registry:after_json`, `registry:commit`, and in the audit trail
`audit:torn_append` (half the records written), `audit:mid_append` (records written, head not moved).
In a de-id worker process (deid/parallel.py, more than one worker): `deid:worker_chunk`, before each chunk.
"""

from __future__ import annotations

from radforge.faults import crash_hit, crash_point

__all__ = ["crash_hit", "crash_point"]
