"""The demo organisation, seeded through every domain's services (``sanfu demo``).

One package on top of the house, beside the web shell: it may import every domain because it seeds them
all, and nothing imports it. Each domain adds one module here (``org``, ``matters``, ``documents``,
``history``…) and one line to ``seed.seed_all``."""
