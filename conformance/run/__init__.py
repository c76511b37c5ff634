"""Calling torch: the implementation, modules, kernels, devices, modes."""
