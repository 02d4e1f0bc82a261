{% extends "tests/conftest.py.j2" %}
{%- block plain_imports %}import importlib
import os
import sys
import threading
import types
import uuid
{% endblock %}
{%- block from_imports %}from typing import Any
{% endblock %}
{%- block first_party_imports %}from {{ cookiecutter.package_name }}.contract import (
    Contract,
    load_contract,
    parse_contract,
)
from {{ cookiecutter.package_name }}.ops.config import get_settings{% endblock %}
{%- block fixtures %}
{% include "tests/contract_fixtures.py.j2" %}
{%- endblock %}
