"""Generation ends where the answer ends (EOS or the next `###` header); beam search batches like greedy."""

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


def test_beam_search_batched_and_left_padded_gives_what_one_prompt_alone_gives(smollm2_path) -> None:
    import torch

    model, tokenizer = load_model(smollm2_path)
    prompts = ["### Findings:\nThe heart is normal in size. The lungs are clear.\n\n### Impression:\n",
               "The capital of France is", "Radiology reports are written by"]
    beams = generate(model, tokenizer, prompts, max_new_tokens=12, batch_size=3, num_beams=3)
    greedy = generate(model, tokenizer, prompts, max_new_tokens=12, batch_size=3)
    for prompt, (text, _) in zip(prompts, beams, strict=True):
        enc = tokenizer(prompt, return_tensors="pt")
        with torch.inference_mode():
            alone = model.generate(**enc, max_new_tokens=12, do_sample=False, num_beams=3, early_stopping=True,
                                   pad_token_id=tokenizer.pad_token_id, stop_strings=[SECTION_END],
                                   tokenizer=tokenizer, temperature=None, top_p=None, top_k=None)
        expected = tokenizer.decode(alone[0, enc["input_ids"].shape[1]:], skip_special_tokens=True)
        assert text == expected.split(SECTION_END)[0].strip()
    assert beams != greedy  # the beams reached model.generate: some completion differs from the greedy one
    pattern = "### A:\n1\n\n### B:\n2\n\n### C:\n3\n\n### D:\n4\n\n### E:\n"
    assert generate(model, tokenizer, [pattern], max_new_tokens=24, batch_size=1, num_beams=3)[0][0] == "5"
