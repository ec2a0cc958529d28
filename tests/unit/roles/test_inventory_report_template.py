# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory_report page, rendered by Ansible's own templar from hand-made facts.

What the page says: counts in words ("1 iLO", "3 iLOs"), iLO and GiB spelled as written where captions
are upper-cased, no alarm colour on power, and no bar chart that compares nothing (one item, or every
item the same value, as with one server per model): a table instead.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TEMPLATE = os.path.join(ROOT, 'roles', 'inventory_report', 'templates', 'inventory_report.html.j2')


def facts(model, firmware, watts, cores=12, memory=192, health='ok', power='on'):
    return {'ansible_facts': {'ilo': {
        'service': {'generation': 5, 'manager_type': 'iLO 5', 'firmware_version': firmware},
        'power': {'consumed_watts': watts},
        'systems': [{'id': '1', 'system': {'model': model, 'serial_number': 'SN-' + model[-4:], 'power_state': power,
                                           'health': health, 'processor_count': 2, 'processor_model': 'Xeon',
                                           'memory_gib': memory},
                     'processors': {'count': 2, 'cores': cores}, 'memory': {'total_gib': memory}}]}}}


# The templar runs in its own interpreter: importing Ansible's controller side (ansible.template) into a
# pytest process turns module warnings into controller display messages, and the in-process module
# tests that share the process (tests/utils/relkit.py) would no longer see them. One interpreter renders
# every scenario below, for one test (importing the templar is most of the cost).
RENDER = """
import json, sys
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template
data = json.load(sys.stdin)
with open(data['template'], encoding='utf-8') as handle:
    source = handle.read()
out = {}
for name, variables in data['scenarios'].items():
    out[name] = Templar(loader=DataLoader(), variables=variables).template(trust_as_template(source))
json.dump(out, sys.stdout)
"""

SCENARIOS = {
    'one': {'web01': facts('ProLiant DL360 Gen10 Plus', '3.11', 306)},
    'three': {'a': facts('ProLiant DL360 Gen10 Plus', '3.11', 306), 'b': facts('ProLiant DL380 Gen9', '2.82', 278),
              'c': facts('ProLiant DL380a Gen11', '1.62', 458)},
    'one_off': {'a': facts('ProLiant DL360 Gen10 Plus', '3.11', 306), 'b': facts('ProLiant DL380 Gen9', '2.82', 278, power='off')},
    'one_per_model': {'a': facts('ProLiant DL360 Gen10 Plus', '3.11', 306, cores=12), 'b': facts('ProLiant DL380 Gen9', '2.82', 278, cores=10),
                      'c': facts('ProLiant DL380a Gen11', '1.62', 458, cores=32)},
    'two_of_a_model': {'a': facts('ProLiant DL360 Gen10 Plus', '3.11', 306), 'b': facts('ProLiant DL360 Gen10 Plus', '3.11', 310),
                       'c': facts('ProLiant DL380 Gen9', '2.82', 278)},
}


def variables(hostvars):
    return {'hostvars': hostvars, 'inventory_report_hosts': sorted(hostvars), 'ansible_play_hosts_all': sorted(hostvars),
            'inventory_report_title': 'Fleet', 'inventory_report_gather_subset': ['min', 'power']}


def render():
    """The page for each scenario of SCENARIOS, by name."""
    scenarios = {name: variables(hostvars) for name, hostvars in SCENARIOS.items()}
    result = subprocess.run([sys.executable, '-c', RENDER], input=json.dumps({'template': TEMPLATE, 'scenarios': scenarios}),
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    pages = json.loads(result.stdout)
    assert sorted(pages) == sorted(SCENARIOS)
    return pages.__getitem__


def panel(html, title):
    """The HTML of the chart panel whose heading starts with ``title``."""
    start = html.index('<h2>' + title)
    return html[start:html.index('</div>', start)]


def check_counts_in_words_and_names_spelled_as_written(render):
    one = render('one')
    assert '1 iLO, 1 server ' in one and 'iLO(s)' not in one and 'server(s)' not in one
    three = render('three')
    assert '3 iLOs, 3 servers ' in three
    # the captions and table heads are upper-cased by CSS: iLO and GiB are in spans that are not
    assert re.search(r'\.card \.cap \{[^}]*text-transform: uppercase', three) and re.search(r'th \{[^}]*text-transform: uppercase', three)
    assert re.search(r'\.nc \{[^}]*text-transform: none', three)
    assert 'Memory (<span class="nc">GiB</span>)' in three and '<th><span class="nc">iLO</span></th>' in three


def check_power_is_not_drawn_in_an_alarm_colour(render):
    html = render('one_off')
    power = panel(html, 'Power draw')
    fills = set(re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})"', power))
    assert fills == {'#8a96a3'}, fills
    assert not {'#d0021b', '#c54e4b'} & fills
    assert re.search(r'\.pw-off \{ color: var\(--muted\)', html)  # off is a state, not an error


def check_one_server_per_category_is_a_table_not_bars(render):
    html = render('one_per_model')
    models = panel(html, 'Models')
    assert '<svg' not in models and '<table class="mini">' in models
    assert models.count('<tr>') == 3 and 'ProLiant DL380 Gen9' in models
    firmware = panel(html, 'iLO firmware')
    assert '<svg' not in firmware and firmware.count('<tr>') == 3
    # values that differ are compared with bars
    assert '<svg' in panel(html, 'CPU cores per server') and '<svg' in panel(html, 'Power draw')


def check_categories_with_several_servers_keep_their_bars(render):
    html = render('two_of_a_model')
    models = panel(html, 'Models')
    assert '<svg' in models and models.count('<rect') == 2
    # one server alone: no chart of one bar
    single = render('one')
    assert '<svg' not in panel(single, 'Power draw') and '306 W' in panel(single, 'Power draw')


def test_the_page_of_every_scenario():
    """One interpreter renders every scenario (importing the templar is most of the cost: ~0.8 CPU-s), then each
    rule is checked on the pages it is about."""
    pages = render()
    check_counts_in_words_and_names_spelled_as_written(pages)
    check_power_is_not_drawn_in_an_alarm_colour(pages)
    check_one_server_per_category_is_a_table_not_bars(pages)
    check_categories_with_several_servers_keep_their_bars(pages)
