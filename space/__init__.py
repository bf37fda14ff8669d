"""Stage 4: the labour space, every occupation placed by what its description says.

Reads the occupations' descriptions (``scrape``) and, for checking, BLS's
Similar Occupations links and O*NET's related occupations (``measures``).
Writes ``embeddings`` (a vector per occupation and backend),
``nearest_occupations`` (the ten nearest of each), ``space_layout`` (a 2-D
map for the site), ``space_evaluation`` (recall of the related-occupation
links among the neighbours, beside a random and a same-category baseline)
and ``space_methods`` (each backend in plain words, and the one the site shows).

    python -m space [--backend tfidf|minilm]
"""
