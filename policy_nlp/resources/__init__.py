"""Files shipped inside the package."""

from pathlib import Path

SAMPLE_SPEECH = Path(__file__).with_name("sample_speech.txt")


def sample_speech() -> str:
    """The bundled sample speech (written for this project, not taken from any archive)."""
    return SAMPLE_SPEECH.read_text(encoding="utf-8")
