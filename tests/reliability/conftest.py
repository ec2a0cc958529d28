# -*- coding: utf-8 -*-
# Copyright (c) lightsout.ilo contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reliability tier: its hostile-BMC helper (hostile.py) imports from this directory; relkit lives in
tests/utils. The fault x module matrix, the bad-input count, the secrets result and the hostile-BMC
attacks are printed at the end of the run by tests/conftest.py (relkit.report), also under pytest-xdist."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
