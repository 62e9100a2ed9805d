"""Data sources: where reports come from before ingest.

`sources.synth` generates the synthetic hospital corpus with gold PHI spans; `sources.datasets` turns
public corpora (IU X-ray / OpenI) into hospital-like exports. Both sit below de-identification in the
data flow: they import only the radforge core, and what reads them (the CLI, de-id's evaluation
corpora) imports them, never the other way (import-linter contracts in pyproject.toml).
"""
