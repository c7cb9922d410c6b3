"""Reading what a /metrics endpoint serves, as Prometheus would."""

from __future__ import annotations

import httpx
from prometheus_client.parser import text_string_to_metric_families

# A sample's name and its labels.
SampleKey = tuple[str, frozenset[tuple[str, str]]]


class Scrape:
    """The samples of one scrape, by name and labels."""

    def __init__(self, text: str) -> None:
        self.families = {
            family.name: family for family in text_string_to_metric_families(text)
        }
        self._samples: dict[SampleKey, float] = {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in self.families.values()
            for sample in family.samples
        }

    def value(self, name: str, **labels: str) -> float:
        """The sample's value; 0 when the scrape has no such sample yet."""
        return self._samples.get((name, frozenset(labels.items())), 0.0)


def scrape(url: str) -> Scrape:
    response = httpx.get(url)
    response.raise_for_status()
    return Scrape(response.text)
