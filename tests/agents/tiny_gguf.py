"""A tiny llama-architecture GGUF file, written by the tests with the ``gguf`` package.

`write_tiny_gguf(path)` trains a byte-level BPE tokenizer (as `tests.tiny_checkpoints` does) on
the real prompts of two games, builds a 2-layer `LlamaForCausalLM` with seeded random weights,
and writes both into one GGUF file the way llama.cpp's converter does: llama.cpp's tensor names
(`gguf.get_tensor_name_map`), the query and key weights permuted into llama.cpp's rotary
layout, the tokenizer as ``tokenizer.ggml.*`` metadata (tokens, token types, merges, special
ids) and the chat template. The weights are stored as F32 (exact) or quantised to Q4_1 (as the
real SmolLM2 file is) with gguf's own quantiser; `TinyGGUF.reference` is the torch model with the
weights the file really holds (dequantised again), to compare the loaded model against.
``unsupported`` stores one tensor as Q8_K, which gguf can write but cannot dequantise.
``always="text"`` makes a model that always says ``text``: the text is token 0 of the
vocabulary and the final norm's weights are 0, so every logit is 0 and greedy decoding picks
token 0 at every step (one new token at most gives exactly ``text``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

CHAT_TEMPLATE = (
    "{% for m in messages %}<|user|>\n{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
HIDDEN, INTERMEDIATE, LAYERS, HEADS, KV_HEADS = 64, 256, 2, 4, 2
CONTEXT = 4096  # the judge's rubric alone is ~2,700 tokens of this small vocabulary


@dataclass
class TinyGGUF:
    path: Path
    tokenizer: Any  # the tokenizer the file was written from
    reference: Any  # LlamaForCausalLM with the weights the file holds


def _texts() -> list[str]:
    from stratlens.games import get_game
    from stratlens.games.prompts import render
    from tests.tiny_checkpoints import _examples

    out = []
    for gid in ("prisoners_dilemma", "stag_hunt"):
        spec = get_game(gid)
        for player in (0, 1):
            out.append(render(spec, spec.game().new_initial_state(), player, "payoff").prompt)
    out += [p + "\n" + r for p, r in _examples(np.random.default_rng(0), 40)]
    return out


def _permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's converter (``LlamaModel.permute``): rotary halves interleaved per head."""
    return (
        w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
        .swapaxes(1, 2)
        .reshape(w.shape)
    )


def write_tiny_gguf(
    path: Path,
    *,
    qtype: str = "F32",
    unsupported: bool = False,
    always: str | None = None,
    seed: int = 0,
) -> TinyGGUF:
    import gguf
    import torch
    from gguf.quants import dequantize, quantize
    from transformers import LlamaConfig, LlamaForCausalLM

    from tests.tiny_checkpoints import EOS, _tokenizer

    tok: Any = _tokenizer(_texts(), chat=False)
    vocab = sorted(tok.get_vocab().items(), key=lambda kv: kv[1])
    tokens = [t for t, _ in vocab]
    assert [i for _, i in vocab] == list(range(len(tokens)))
    merges = json.loads(tok.backend_tokenizer.to_str())["model"]["merges"]
    merges = [m if isinstance(m, str) else " ".join(m) for m in merges]
    specials = set(tok.all_special_tokens) | {"<|user|>", "<|assistant|>"}
    eos = tok.convert_tokens_to_ids(EOS)
    if always is not None:  # the text as one byte-level token, at id 0
        from transformers.convert_slow_tokenizer import bytes_to_unicode

        spelling = bytes_to_unicode()
        tokens = ["".join(spelling[b] for b in always.encode()), *tokens]
        eos += 1
    config = LlamaConfig(
        vocab_size=len(tokens), hidden_size=HIDDEN, intermediate_size=INTERMEDIATE,
        num_hidden_layers=LAYERS, num_attention_heads=HEADS, num_key_value_heads=KV_HEADS,
        max_position_embeddings=CONTEXT, rms_norm_eps=1e-5, rope_theta=10000.0,
        tie_word_embeddings=False, bos_token_id=eos, eos_token_id=eos, pad_token_id=eos,
    )  # fmt: skip
    with torch.random.fork_rng():  # seeded weights; the global state is restored
        torch.manual_seed(seed)
        model = LlamaForCausalLM(config).eval()
        for p in model.parameters():  # norms away from 1, so that a lost one would show
            if p.dim() == 1:
                p.data.uniform_(0.5, 1.5)
        if always is not None:
            model.model.norm.weight.data.zero_()

    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("tiny-llama")
    w.add_context_length(config.max_position_embeddings)
    w.add_embedding_length(HIDDEN)
    w.add_block_count(LAYERS)
    w.add_feed_forward_length(INTERMEDIATE)
    w.add_head_count(HEADS)
    w.add_head_count_kv(KV_HEADS)
    w.add_rope_dimension_count(HIDDEN // HEADS)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_vocab_size(len(tokens))
    w.add_tokenizer_model("gpt2")
    w.add_token_list(tokens)
    w.add_token_types([3 if t in specials else 1 for t in tokens])  # 3: control, 1: normal
    w.add_token_merges(merges)
    w.add_bos_token_id(eos)
    w.add_eos_token_id(eos)
    w.add_pad_token_id(eos)
    w.add_add_bos_token(False)
    w.add_chat_template(CHAT_TEMPLATE)

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, LAYERS)
    held: dict[str, torch.Tensor] = {}
    for hf_name, tensor in model.state_dict().items():
        name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        assert name is not None, hf_name
        data = tensor.detach().numpy().astype(np.float32)
        if hf_name.endswith("q_proj.weight"):
            data = _permute(data, HEADS)
        elif hf_name.endswith("k_proj.weight"):
            data = _permute(data, KV_HEADS)
        if unsupported and name == "blk.0.ffn_down.weight":  # (64, 256): one Q8_K block a row
            raw = np.zeros((data.shape[0], 292), dtype=np.uint8)
            w.add_tensor(name, raw, raw_dtype=gguf.GGMLQuantizationType.Q8_K)
            continue
        if qtype == "F32" or data.ndim == 1:  # llama.cpp keeps norms in F32 too
            w.add_tensor(name, data)
            held[hf_name] = tensor
            continue
        q = getattr(gguf.GGMLQuantizationType, qtype)
        blocks = quantize(data, q)
        w.add_tensor(name, blocks, raw_dtype=q)
        back = dequantize(blocks, q).reshape(data.shape)
        if hf_name.endswith("q_proj.weight"):  # undo the permutation to get torch's layout
            back = _unpermute(back, HEADS)
        elif hf_name.endswith("k_proj.weight"):
            back = _unpermute(back, KV_HEADS)
        held[hf_name] = torch.from_numpy(np.ascontiguousarray(back))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    if not unsupported:
        model.load_state_dict(held)
    return TinyGGUF(path, tok, model)


def _unpermute(w: np.ndarray, n_head: int) -> np.ndarray:
    return (
        w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:])
        .swapaxes(1, 2)
        .reshape(w.shape)
    )
