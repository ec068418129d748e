"""Models: the pkuseg segmenter, the character tokenizer and encoder, the heads, the CRF, features and name lists."""
