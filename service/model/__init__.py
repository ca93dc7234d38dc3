"""The learned segment classifier: features shared by training and serving, the artifact, training."""
