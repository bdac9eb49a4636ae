# Reference values for tests/unit/test_farrington.c, computed independently of
# daemon/core/farrington.c by surveillance::farringtonFlexible itself.
#
# Run:  Rscript tests/unit/farrington_reference.R > tests/unit/farrington_reference.h
# Needs Debian's r-base-core and r-cran-surveillance (1.20.3); the C test does
# not: it includes the header this script printed, which is committed.
#
# The series: 340 weeks of a setting's procedures (seasonal, growing) and
# cases of one complication group at ~5 per 1,000 procedures with a seasonal
# rate, negative-binomial noise (over-dispersed in places, so both the
# Poisson and the negative-binomial upper bounds are exercised), and four
# planted outbreaks. Every week has procedures (the offset log(procedures)
# needs them); weeks are indexes (epochAsDate = FALSE, freq = 52), so the
# reference weeks are exactly 52, 104, ... weeks back.
#
# Each week k >= 78 is evaluated with b = min(5, floor((k - 26) / 52)) and
# noPeriods 10, w 3, pastWeeksNotIncluded 26, weightsThreshold 2.58,
# trend = TRUE with pThresholdTrend 1 (the package keeps it only when b >= 3
# and the prediction does not exceed the largest count), populationOffset,
# thresholdMethod "nbPlugin", alpha 0.01. Printed per week: b, expected
# (mu0Vector = exp of the link prediction), phi, the upper bound computed
# with limit54 = c(0, 4) (so it is never NA), whether the trend was kept,
# and the alarm with limit54 = c(5, 4) (the rule as it runs).
suppressMessages(library(surveillance))
options(scipen = 100)
g <- function(v) sprintf("%.17g", v)
set.seed(20261208)
n <- 340
wk <- 1:n
procs <- rpois(n, 900 * (1 + 0.0015 * wk) * (1 + 0.25 * sin(2 * pi * wk / 52)))
rate <- 0.005 * (1 + 0.3 * cos(2 * pi * (wk - 10) / 52))
size <- ifelse(wk %% 100 < 50, 1e6, 15)  # Poisson-like stretches and over-dispersed ones
cases <- rnbinom(n, size = size, mu = rate * procs)
outbreaks <- list(c(150, 151), c(231, 232, 233), c(300), c(322, 323))
extra <- c(9, 6, 8, 5, 7, 14, 10, 8)
cases[unlist(outbreaks)] <- cases[unlist(outbreaks)] + extra

run <- function(k, b, limit) {
  s <- sts(observed = matrix(cases, ncol = 1), population = matrix(procs, ncol = 1),
           frequency = 52, start = c(2020, 1))
  ctl <- list(range = k, b = b, w = 3, noPeriods = 10, pastWeeksNotIncluded = 26,
              weightsThreshold = 2.58, reweight = TRUE, trend = TRUE, pThresholdTrend = 1,
              populationOffset = TRUE, thresholdMethod = "nbPlugin", alpha = 0.01,
              limit54 = limit, glmWarnings = FALSE)
  farringtonFlexible(s, control = ctl)
}

cat("/* Printed by tests/unit/farrington_reference.R (R", paste(R.version$major, R.version$minor, sep = "."),
    ", surveillance", as.character(packageVersion("surveillance")), "); do not edit. */\n")
cat(sprintf("\n#define FARRINGTON_REF_WEEKS %d\n", n))
cat("\nstatic const uint32_t ref_procs[] = {\n")
cat(paste0("    ", paste(procs, collapse = ", "), "\n};\n"))
cat("\nstatic const uint32_t ref_cases[] = {\n")
cat(paste0("    ", paste(cases, collapse = ", "), "\n};\n"))
cat("\n/* Planted outbreak weeks (0-based indexes): */\n")
cat(sprintf("static const int ref_outbreak_weeks[] = {%s};\n",
            paste(unlist(outbreaks) - 1, collapse = ", ")))
cat("\n/* {week index (0-based), b, expected, phi, upper, trend kept, alarm} */\n")
cat("static const struct ref_farrington ref_farrington[] = {\n")
for (k in 78:n) {
  b <- min(5, (k - 26) %/% 52)
  all <- run(k, b, c(0, 4))
  rule <- run(k, b, c(5, 4))
  cat(sprintf("    {%d, %d, %s, %s, %s, %d, %d},\n", k - 1, b,
              g(all@control$mu0Vector[1, 1]), g(all@control$phiVector[1, 1]),
              g(upperbound(all)[1, 1]), as.integer(all@control$trend[1, 1]),
              as.integer(isTRUE(alarms(rule)[1, 1]))))
}
cat("};\n")
