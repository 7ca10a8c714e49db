"""Regenerate the bundled district networks and their terrains (identical bytes each run).

Run from the repository root:  python twin/networks/data/make_catalog.py
"""

from twin.networks.catalog import regenerate

if __name__ == "__main__":
    for path in regenerate():
        print(path)
