"""Greedy generation ends where the answer ends: at EOS or at the prompt format's next `###` header."""

from __future__ import annotations

from evaluation.generation import SECTION_END, generate, load_model


def test_completion_stops_at_the_next_section_header(smollm2_path) -> None:
    model, tokenizer = load_model(smollm2_path)
    # the real model continues this pattern with "5" and then a new "### F:" section
    pattern = "### A:\n1\n\n### B:\n2\n\n### C:\n3\n\n### D:\n4\n\n### E:\n"
    (text, n), (free, m) = generate(model, tokenizer, [pattern, "The capital of France is"], max_new_tokens=24,
                                    batch_size=2)
    assert text == "5" and SECTION_END not in text
    assert n < 12  # generation stopped at the header instead of running to the 24-token budget
    assert m == 24 and SECTION_END not in free  # a completion without a header is left whole
