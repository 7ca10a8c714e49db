"""Column layout of the packed routing tables, flow classes, option codes and constants.

The routing kernels take a few 2-D float64 / int64 tables instead of dozens of
1-D arrays.  Parameter tables are ``(n_elements, n_columns)``; state tables are
``(n_rows, n_elements)`` so that every state row (``state[ND_DEPTH]``) is a
contiguous 1-D view the engine can expose by name.  All lengths are ft, areas
ft2, volumes ft3, flows cfs and times seconds (SWMM's internal units).
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

# -- node parameters: node_par[i, NP_*] (float64) --------------------------------
NP_INVERT = 0  # invert elevation
NP_FULL_DEPTH = 1  # rim depth (raised to the highest connected crown)
NP_SUR_DEPTH = 2  # extra depth allowed above the rim before flooding
NP_PONDED_AREA = 3
NP_INIT_DEPTH = 4
NP_CROWN = 5  # depth of the highest connected conduit crown above the invert
NP_FULL_VOLUME = 6
NP_STAGE = 7  # FIXED outfall stage elevation
NP_SA0 = 8  # storage area = a0 + a1 d^a2 (FUNCTIONAL) or a0 + a1 d + a2 d^2 (shapes)
NP_SA1 = 9
NP_SA2 = 10
N_NP = 11

# -- node integers: node_int[i, NI_*] (int64) -------------------------------------
NI_KIND = 0  # NodeKind
NI_OUTFALL = 1  # OutfallKind or -1
NI_FLAP = 2  # outfall flap gate 0/1
NI_DEGREE = 3  # SWMM's node degree (< 0 for upstream terminal nodes)
NI_STORAGE = 4  # STORAGE_* shape code or -1
NI_CURVE = 5  # storage curve or outfall stage curve/series index, -1 none
N_NI = 6

STORAGE_FUNCTIONAL = 0
STORAGE_TABULAR = 1
STORAGE_POLY = 2  # CYLINDRICAL CONICAL PARABOLOID PYRAMIDAL: a0 + a1 d + a2 d^2

# -- link parameters: link_par[j, LP_*] (float64) --------------------------------
LP_OFFSET1 = 0  # invert offset above the upstream node invert
LP_OFFSET2 = 1
LP_LENGTH = 2
LP_MOD_LENGTH = 3  # length after conduit lengthening
LP_ROUGH_FACTOR = 4  # g (n/phi)^2 with the lengthened n
LP_BETA = 5  # phi sqrt(S) / n
LP_SLOPE = 6
LP_QFULL = 7  # full flow per barrel
LP_QMAX = 8  # max normal flow per barrel
LP_LOSS_IN = 9
LP_LOSS_OUT = 10
LP_LOSS_AVG = 11
LP_QLIMIT = 12  # user flow limit (0 = none)
LP_BARRELS = 13
LP_Q0 = 14  # initial flow (internal direction)
LP_FM_ROUGH = 15  # force main: Hazen-Williams C, or Darcy-Weisbach roughness height [ft]
LP_FM_FACTOR = 16  # force main: SWMM's full-flow roughness factor (xsect.sBot)
N_LP = 17

# -- link integers: link_int[j, LI_*] (int64) -------------------------------------
LI_N1 = 0  # upstream node (after reversal of adverse conduits)
LI_N2 = 1
LI_SHAPE = 2
LI_FLAP = 3
LI_DIRECTION = 4  # +1, or -1 when the conduit was reversed
LI_HAS_LOSSES = 5
LI_TRUE_CONDUIT = 6  # conduit with a real cross section
LI_CLOSED = 7  # closed cross section 0/1
LI_FORCE_MAIN = 8  # 0 not a force main, FM_HW or FM_DW
N_LI = 9

FM_HW = 1
FM_DW = 2
VISCOSITY = 1.1e-5  # ft2/s, kinematic viscosity of water (SWMM's)

# -- options: opt_f (float64) and opt_i (int64) ------------------------------------
OF_HEAD_TOL = 0
OF_MIN_SURFAREA = 1
OF_CROWN_CUTOFF = 2
OF_COURANT = 3
OF_MIN_STEP = 4
N_OF = 5

OI_SURCHARGE = 0  # SURCHARGE_EXTRAN or SURCHARGE_SLOT
OI_NORMAL_FLOW = 1  # NFL_*
OI_DAMPING = 2  # DAMP_*
OI_PONDING = 3  # ALLOW_PONDING 0/1
OI_MAX_TRIALS = 4
N_OI = 5

SURCHARGE_EXTRAN = 0
SURCHARGE_SLOT = 1
NFL_SLOPE = 0
NFL_FROUDE = 1
NFL_BOTH = 2
NFL_NEITHER = 3
DAMP_NONE = 0
DAMP_PARTIAL = 1
DAMP_FULL = 2

# -- flow classes (SWMM's FlowClassType) --------------------------------------------
FC_DRY = 0
FC_UP_DRY = 1
FC_DN_DRY = 2
FC_SUBCRITICAL = 3
FC_SUPCRITICAL = 4
FC_UP_CRITICAL = 5
FC_DN_CRITICAL = 6

# -- node state rows: node_state[ND_*, i] ---------------------------------------------
ND_DEPTH = 0  # new depth
ND_DEPTH_OLD = 1
ND_VOLUME = 2
ND_VOLUME_OLD = 3
ND_INFLOW = 4  # total inflow
ND_INFLOW_OLD = 5
ND_OUTFLOW = 6
ND_OVERFLOW = 7
ND_LAT = 8  # lateral inflow of this step
ND_LAT_OLD = 9
ND_OLD_NET_INFLOW = 10
ND_SURF_NEW = 11
ND_SURF_OLD = 12  # last non-surcharged surface area (EXTRAN)
ND_SUMDQDH = 13
ND_DYDT = 14
ND_CONVERGED = 15
ND_LOSSES = 16
ND_OVERFLOW_OLD = 17
N_ND = 18

# -- link state rows: link_state[LS_*, j] --------------------------------------------
LS_FLOW = 0  # total flow (all barrels), internal direction
LS_FLOW_OLD = 1
LS_DEPTH = 2
LS_DEPTH_OLD = 3
LS_VOLUME = 4
LS_VOLUME_OLD = 5
LS_Q1 = 6  # per-barrel flow of the last iteration
LS_A1 = 7  # mid-conduit area of the last iteration
LS_A2 = 8  # area at the last time step
LS_DQDH = 9
LS_FROUDE = 10
LS_FLOW_CLASS = 11
LS_BYPASSED = 12
LS_SURF1 = 13
LS_SURF2 = 14
LS_NORMAL_FLOW = 15  # 1 when normal-flow limited
LS_CAP_LIMITED = 16
LS_Q2 = 17  # per-barrel outflow (KINWAVE)
N_LS = 18
