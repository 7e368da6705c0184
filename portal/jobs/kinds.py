"""Every kind of background job, registered by importing the modules that define them."""

from portal.followup import jobs as followup_jobs
from portal.jobs import renders
from portal.minutes import jobs as minutes_jobs
from portal.residents import addresses as doorplates
from portal.statistics import services as statistics

__all__ = ["doorplates", "followup_jobs", "minutes_jobs", "renders", "statistics"]
