"""Imported once by the workers' fork server: sympy, the engines, numpy and scipy, warm.

Every worker is forked from that process, so none pays the imports again.
"""

from derive.web.jobs import warm_up

warm_up()
