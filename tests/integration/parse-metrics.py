"""Parses Prometheus exposition text from stdin with prometheus_client's own parser and prints
it as JSON: {family: {"type": ..., "samples": [{"name", "labels", "value"}]}}. Anything the
parser refuses makes it exit non-zero with the parser's message."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

families = {}
for family in text_string_to_metric_families(sys.stdin.read()):
    families[family.name] = {
        "type": family.type,
        "help": family.documentation,
        "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in family.samples],
    }
json.dump(families, sys.stdout)
