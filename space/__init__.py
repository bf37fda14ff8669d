"""Stage 4: the labour space, every occupation placed by what its work is.

Reads the occupations' descriptions (``scrape``), their O*NET tasks, work
activities and other names (``measures``), BLS's Similar Occupations links (``scrape``)
between occupations of the tuning half (to choose how to mix those parts) and,
for checking on the other half, all of BLS's links and O*NET's related
occupations (``measures``).
Writes ``embeddings`` (a vector per occupation and backend),
``nearest_occupations`` (the ten nearest of each), ``space_layout`` (a 2-D
map for the site), ``space_evaluation`` (recall of the related-occupation
links among the neighbours, beside a random and a same-category baseline)
and ``space_methods`` (each backend in plain words, and the one the site shows).

    python -m space [--backend work|tfidf|minilm]
"""
