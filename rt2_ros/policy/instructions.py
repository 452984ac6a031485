"""Language commands as they arrive on /rt2/command: checked before any model sees them."""

MAX_INSTRUCTION_CHARS = 512  # far above any robot command; keeps prompts inside model context


def validate_instruction(text: object) -> str:
    """The instruction, whitespace-normalised; ValueError for empty, huge or non-text input."""
    if not isinstance(text, str):
        raise ValueError(f"an instruction is text; got {type(text).__name__}")
    normalised = " ".join(text.split())
    if not normalised:
        raise ValueError("empty instruction: say what the robot should do, e.g. 'pick up the red block'")
    if len(normalised) > MAX_INSTRUCTION_CHARS:
        raise ValueError(f"instruction of {len(normalised)} characters; at most {MAX_INSTRUCTION_CHARS} are accepted")
    if any(ord(character) < 32 for character in normalised):
        raise ValueError("instruction contains control characters")
    return normalised
