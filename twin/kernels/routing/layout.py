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
M3_PER_FT3 = 0.028317  # SWMM's factor from m3/s weir flows to cfs
FLOW_TOL = 0.00001  # cfs

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
NP_DIV_QMIN = 11  # divider cutoff / weir minimum flow [cfs]
NP_DIV_QMAX = 12  # WEIR divider: flow when the weir is full [cfs]
NP_DIV_DHMAX = 13  # WEIR divider: weir height, file length units (as SWMM keeps it)
NP_DIV_CWEIR = 14  # WEIR divider: weir coefficient, file units
N_NP = 15

# -- node integers: node_int[i, NI_*] (int64) -------------------------------------
NI_KIND = 0  # NodeKind
NI_OUTFALL = 1  # OutfallKind or -1
NI_FLAP = 2  # outfall flap gate 0/1
NI_DEGREE = 3  # SWMM's node degree (< 0 for upstream terminal nodes)
NI_STORAGE = 4  # STORAGE_* shape code or -1
NI_CURVE = 5  # storage curve, outfall stage curve/series or divider curve index, -1 none
NI_DIV_KIND = 6  # DIV_* code of a divider node, -1 for other nodes
NI_DIV_LINK = 7  # the divider's diversion link, -1 none
N_NI = 8

DIV_CUTOFF = 0
DIV_OVERFLOW = 1
DIV_TABULAR = 2
DIV_WEIR = 3

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
# pumps, orifices, weirs, outlets (coefficients in file units, as SWMM evaluates them)
LP_CDISCH = 17  # orifice Cd | weir coefficient | outlet FUNCTIONAL coefficient
LP_CDISCH2 = 18  # weir end (side) coefficient
LP_END_CON = 19  # weir end contractions
LP_ORATE = 20  # orifice open/close time [s], 0 = instantaneous
LP_EQ_LENGTH = 21  # orifice / weir equivalent length [ft] (surface area contribution)
LP_WEIR_SLOPE = 22  # V-NOTCH / TRAPEZOIDAL side slope (run per rise)
LP_ROAD_WIDTH = 23  # ROADWAY weir road width [ft]
LP_QEXPON = 24  # outlet FUNCTIONAL exponent
LP_PUMP_XMIN = 25  # first x of the pump curve (file units)
LP_PUMP_XMAX = 26  # last x of the pump curve (file units)
LP_YON = 27  # pump startup depth [ft], 0 = none
LP_YOFF = 28  # pump shutoff depth [ft]
LP_INIT_SETTING = 29  # initial setting (pump 0/1, others 1)
N_LP = 30

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
LI_KIND = 9  # LinkKind: 0 conduit, 1 pump, 2 orifice, 3 weir, 4 outlet
LI_SUBTYPE = 10  # PUMP_* | ORIFICE_* | WEIR_* | OUTLET_* code
LI_CURVE = 11  # pump curve, weir coefficient curve or outlet rating curve, -1 none
LI_ROAD_SURFACE = 12  # ROADWAY weir: 0 none, 1 PAVED, 2 GRAVEL
LI_CAN_SURCHARGE = 13  # weir can surcharge 0/1
N_LI = 14

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

FM_HW = 1
FM_DW = 2
VISCOSITY = 1.1e-5  # ft2/s, kinematic viscosity of water (SWMM's)

# -- options: opt_f (float64) and opt_i (int64) ------------------------------------
OF_HEAD_TOL = 0
OF_MIN_SURFAREA = 1
OF_CROWN_CUTOFF = 2
OF_COURANT = 3
OF_MIN_STEP = 4
OF_UCF_LENGTH = 5  # SWMM's UCF(LENGTH): file length units per ft
OF_UCF_FLOW = 6  # SWMM's UCF(FLOW): file flow units per cfs
OF_UCF_VOLUME = 7  # SWMM's UCF(VOLUME)
OF_SI = 8  # 1.0 when the file uses SI units (weir formulas give m3/s)
N_OF = 9

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
LS_SETTING = 18  # current setting 0-1 (pump on/off or speed, opening fraction)
LS_TARGET = 19  # target setting (controls, pump startup/shutoff)
LS_C_ORIF = 20  # orifice flow coefficient Cd A sqrt(2g) at the current setting
LS_C_WEIR = 21  # orifice coefficient when it flows as a weir
LS_H_CRIT = 22  # orifice depth where weir flow turns into orifice flow [ft]
LS_C_SURCHARGE = 23  # weir equivalent-orifice coefficient when surcharged
LS_SURF_AREA = 24  # orifice equivalent surface area [ft2]
LS_CONTROL = 25  # setting asked for by a control action, applied next step (NaN none)
N_LS = 26
