"""The question templates: about a passage's topic X, and about a key phrase K.

The seed card's six templates filled X with the passage's own text, so its
questions copied the answer; here X is the heading (see topics.py).
"""

TEMPLATES = (
    "What is {x}?",
    "How does {x} work?",
    "Explain {x}",
    "Summarize {x}",
    "Key points about {x}",
    "In simple terms: {x}",
)
KEYPHRASE_TEMPLATES = (
    "What about {k}?",
    "Tell me about {k}",
    "{k}?",
    "Anything on {k}?",
    "Where can I read about {k}?",
    "Do you mention {k}?",
)
