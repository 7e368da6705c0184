"""After the conference: the mediation agreement, the parties' notices, follow-up tasks,
return visits, the closing rules of the loop and the case file."""
