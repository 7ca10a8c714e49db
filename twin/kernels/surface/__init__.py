"""The 2D street surface: local-inertial shallow water on a raster
(:mod:`twin.kernels.surface.overland`) and the manhole exchange with the pipes
(:mod:`twin.kernels.surface.exchange`)."""
