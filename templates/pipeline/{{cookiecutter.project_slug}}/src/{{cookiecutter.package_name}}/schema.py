{%- import "model_contract.j2" as contract -%}
"""Column names shared by the steps, the expectation suites and the sample data.

Edit this (and `expectations.py`) when you bring your own data.
"""

from __future__ import annotations

FEATURES: tuple[str, ...] = (
{%- for name in contract.features %}
    "{{ name }}",
{%- endfor %}
)
LABEL = "{{ contract.label }}"

PREDICTION = "prediction"
PROBABILITY = "probability"
