"""Stage 2: published measures of AI exposure and O*NET, carried to OOH occupations.

Reads the datasets that ``measures.toml`` describes from a reference folder
(``../shared/reference`` by default), or fetches them from their publishers
(``--fetch``): occupation-level measures keyed by SOC 2018, SOC 2010,
O*NET-SOC or ISCO-08 codes, O*NET 29.1 tasks with the GPTs-are-GPTs task
labels, work activities, titles, technology and related occupations, and the
crosswalks.
Each reaches an OOH occupation through the SOC codes its page lists in
``projections`` (written by ``scrape``). Writes, only where something changed:

- ``measures``: one row per measure, with its citation and coverage
- ``measure_values``: a measure's value and percentile for each occupation it reaches
- ``measure_consensus``: per occupation, where the measures place it, and how far apart
- ``tasks``: each occupation's O*NET tasks, with GPT-4's and people's exposure labels
  (read by ``score --level task``)
- ``onet_related``: O*NET's expert related-occupation pairs, as OOH pairs (read by ``space``)
- ``work_activities``, ``task_activities``, ``occupation_activities``: O*NET's work
  activities, the tasks that involve each, and per occupation how many of its tasks do
- ``occupation_titles``: the everyday names of each occupation (O*NET's, alternate,
  short and reported titles), each once
- ``occupation_technology``: the software and technology each occupation uses
- ``measure_files``: the manifest of every file read
- the view ``occupation_measures``

    python -m measures [--reference DIR | --fetch]
"""
