"""The residents' and parties' side: standard addresses, doorplates, resident requests,
case codes and the parties' own case page."""
