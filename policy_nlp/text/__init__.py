"""Text rules without spaCy or models: enumeration markers, sentences, outline, entity patterns, numbers, metadata."""
