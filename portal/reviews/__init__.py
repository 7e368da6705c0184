"""Regular joint reviews (警网融合例会): the police and the grid go through many hazards at
once, each item settled with an owner and followed up until it is done."""
