"""Constants of the routing kernels: SWMM's cutoffs, and the codes stored in the bundles.

The codes are the values of the bundles' ``code`` fields
(:mod:`twin.kernels.routing.bundles`): routing modes, divider rules, storage shapes,
link kinds and their subtypes, force-main equations, option choices and flow classes.
Lengths ft, flows cfs, times s (SWMM's internal units).
"""

# -- physical constants and SWMM cutoffs (ft, s) ---------------------------------
GRAVITY = 32.2  # ft/s2
PHI = 1.486  # Manning's constant in US units
FUDGE = 0.0001  # ft, SWMM's "tiny" depth/flow
MAX_VELOCITY = 50.0  # ft/s
OMEGA = 0.5  # under-relaxation of the Picard iterations
EXTRAN_CROWN_CUTOFF = 0.96
SLOT_CROWN_CUTOFF = 0.985257
MIN_TIME_STEP = 0.001  # s
FT = 0.3048  # m per ft
M3_PER_FT3 = 0.028317  # SWMM's factor from m3/s weir flows to cfs
FLOW_TOL = 0.00001  # cfs
VISCOSITY = 1.1e-5  # ft2/s, kinematic viscosity of water (SWMM's)

# -- routing modes (Options.mode) ------------------------------------------------
MODE_DYNWAVE = 0
MODE_KINWAVE = 1
MODE_STEADY = 2

# -- dividers (Nodes.divider_kind) and storage shapes (Nodes.storage_kind) -------
DIV_CUTOFF = 0
DIV_OVERFLOW = 1
DIV_TABULAR = 2
DIV_WEIR = 3

STORAGE_FUNCTIONAL = 0
STORAGE_TABULAR = 1
STORAGE_POLY = 2  # CYLINDRICAL CONICAL PARABOLOID PYRAMIDAL: a0 + a1 d + a2 d^2

# -- link kinds (Links.kind) and subtypes (Links.subtype) ------------------------
KIND_CONDUIT = 0
KIND_PUMP = 1
KIND_ORIFICE = 2
KIND_WEIR = 3
KIND_OUTLET = 4
PUMP_TYPE1 = 0  # volume -> flow (step curve)
PUMP_TYPE2 = 1  # inlet depth -> flow (step curve)
PUMP_TYPE3 = 2  # head -> flow
PUMP_TYPE4 = 3  # inlet depth -> flow (continuous)
PUMP_TYPE5 = 4  # head -> flow at variable speed
PUMP_IDEAL = 5
ORIFICE_SIDE = 0
ORIFICE_BOTTOM = 1
WEIR_TRANSVERSE = 0
WEIR_SIDEFLOW = 1
WEIR_VNOTCH = 2
WEIR_TRAPEZOIDAL = 3
WEIR_ROADWAY = 4
OUTLET_DEPTH = 0  # rating on depth above the crest
OUTLET_HEAD = 1  # rating on head difference

# -- force mains (Links.force_main) ----------------------------------------------
FM_HW = 1
FM_DW = 2

# -- option choices (Options.surcharge, .normal_flow, .damping) ------------------
SURCHARGE_EXTRAN = 0
SURCHARGE_SLOT = 1
NFL_SLOPE = 0
NFL_FROUDE = 1
NFL_BOTH = 2
NFL_NEITHER = 3
DAMP_NONE = 0
DAMP_PARTIAL = 1
DAMP_FULL = 2

# -- flow classes (SWMM's FlowClassType, LinkState.flow_class) -------------------
FC_DRY = 0
FC_UP_DRY = 1
FC_DN_DRY = 2
FC_SUBCRITICAL = 3
FC_SUPCRITICAL = 4
FC_UP_CRITICAL = 5
FC_DN_CRITICAL = 6


#: Whether the routing kernels handle links other than true conduits (pumps, orifices,
#: weirs, outlets, DUMMY conduits).  True in the kernels; their ``*_conduits`` variants
#: (:func:`twin.kernels.jit.variant`) see False and never compile the structures'
#: kernels, for networks of conduits only.
STRUCTURES = True

#: Optional physics, each True in the kernels: a branch that only a network with pumps,
#: orifices, weirs, outlets, flow dividers, culverts, conduit evaporation/seepage or
#: storage units takes
#: is written ``if WEIRS and ...``; :func:`twin.kernels.jit.specialise` gives a network
#: the kernels that see False for what it lacks, and numba drops those branches before
#: typing them (their kernels are never compiled).
PUMPS = True
ORIFICES = True
WEIRS = True
OUTLETS = True
DIVIDERS = True
CULVERTS = True
CONDUIT_LOSSES = True
STORAGE = True

#: SWMM's routing clock runs 1 ms ahead (swmm5.c ``getDateTime``: (elapsedMsec + 1) / 1000):
#: a step starting at t takes its external and dry-weather inflows at t + 1 ms [s]
SWMM_CLOCK_AHEAD_S = 0.001
