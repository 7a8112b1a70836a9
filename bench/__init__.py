"""`make bench`: Souk's figures, each next to a ceiling measured in the same run."""
