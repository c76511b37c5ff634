"""The reference's answer for an example, and how close torch must come to it."""
