"""The station's own holiday calendar: each year's statutory holidays and make-up working
days (调休) from the State Council's notice, entered before the holiday package carries them."""
