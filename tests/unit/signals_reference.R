# Reference values for tests/unit/test_signal_stats.c, computed independently of
# daemon/core/signal_stats.c with R's own distribution functions and the
# surveillance package.
#
# Run:  Rscript tests/unit/signals_reference.R > tests/unit/signals_reference.h
# Needs Debian's r-base-core and r-cran-surveillance (1.20.3); the C test does
# not: it includes the header this script printed, which is committed.
#
# Sources, one per table:
#   binom_upper   pbinom(x - 1, n, p, lower.tail = FALSE)
#   poisson_rates poisson.test(c(x, X), c(n, N), alternative = "greater")$p.value
#   nbinom_upper  pnbinom(x - 1, size = mu / (phi - 1), mu = mu, lower.tail = FALSE);
#                 ppois(x - 1, mu, lower.tail = FALSE) when phi = 1
#   pearson_phi   max(1, summary(glm(x ~ 1 + offset(log(n)), family = quasipoisson))$dispersion)
#   cusum         surveillance::algo.glrnb(alpha = 0, theta = log(2), c.ARL = 4,
#                 ret = "value", dir = "inc") on a seeded series with a planted rise;
#                 checked against the recursion written out here (stopifnot)
#   funnel        r = qbinom(p, n, theta); alpha = (pbinom(r) - p) / dbinom(r);
#                 limit = max(0, (r - alpha) / n)   (Spiegelhalter 2005, A.1.1)
#   dispersion    z = (asin(sqrt(x/n)) - asin(sqrt(theta))) * 2 sqrt(n), winsorised at
#                 quantile(z, c(0.1, 0.9)); phi = mean(z^2);
#                 tau2 = max(0, (I phi - (I - 1)) / (sum(w) - sum(w^2) / sum(w))), w = 4n
#                 (FunnelPlotR's method for proportions); adjusted limit =
#                 sin(asin(sqrt(theta)) + qnorm(p) * sqrt(1/(4n) + tau2))^2
#   disproportion PRR, ROR and their log-scale 95% intervals written out (with 0.5
#                 added to each cell when b, c or d is 0: Haldane-Anscombe);
#                 chisq.test(matrix(c(a, c, b, d), 2), correct = TRUE)$statistic
suppressMessages(library(surveillance))
options(scipen = 100)  # integers print as integers, never 1e+05
g <- function(v) sprintf("%.17g", v)
cat("/* Printed by tests/unit/signals_reference.R (R", paste(R.version$major, R.version$minor, sep = "."),
    ", surveillance", as.character(packageVersion("surveillance")), "); do not edit. */\n")

cat("\n/* pbinom(x - 1, n, p, lower.tail = FALSE): {x, n, p, want} */\n")
cat("static const struct ref_binom ref_binom_upper[] = {\n")
B <- list(c(3, 90, 0.003), c(0, 10, 0.2), c(11, 10, 0.2), c(5, 1000, 0.001), c(40, 100, 0.3),
          c(1, 1, 0.5), c(7, 2000, 0.0005), c(150, 100000, 0.001), c(2, 12, 0.01))
for (b in B) cat(sprintf("    {%s, %s, %s, %s},\n", b[1], b[2], g(b[3]),
                         g(pbinom(b[1] - 1, b[2], b[3], lower.tail = FALSE))))
cat("};\n")

cat("\n/* poisson.test(c(x, X), c(n, N), alternative = \"greater\"): {x, X, n, N, want} */\n")
cat("static const struct ref_rates ref_poisson_rates[] = {\n")
P <- list(c(3, 30, 900, 10000), c(8, 40, 1000, 20000), c(0, 5, 100, 1000), c(5, 0, 50, 5000),
          c(12, 300, 4000, 100000), c(2, 2, 10, 10))
for (p in P) cat(sprintf("    {%s, %s, %s, %s, %s},\n", p[1], p[2], p[3], p[4],
                         g(poisson.test(c(p[1], p[2]), c(p[3], p[4]), alternative = "greater")$p.value)))
cat("};\n")

cat("\n/* pnbinom(x - 1, size = mu / (phi - 1), mu = mu, lower.tail = FALSE); ppois when phi = 1:\n * {x, mu, phi, want} */\n")
cat("static const struct ref_nbinom ref_nbinom_upper[] = {\n")
NB <- list(c(3, 0.5, 1), c(3, 0.5, 1.5), c(10, 3.2, 2.5), c(1, 0.01, 1.2), c(25, 12, 1),
           c(25, 12, 3), c(60, 40, 1.05), c(4, 2, 1.000001))
for (b in NB) {
  want <- if (b[3] == 1) ppois(b[1] - 1, b[2], lower.tail = FALSE) else
    pnbinom(b[1] - 1, size = b[2] / (b[3] - 1), mu = b[2], lower.tail = FALSE)
  cat(sprintf("    {%s, %s, %s, %s},\n", b[1], g(b[2]), g(b[3]), g(want)))
}
cat("};\n")

set.seed(20261207)
cat("\n/* max(1, quasi-Poisson dispersion of glm(x ~ 1 + offset(log(n)))): the series */\n")
k <- 20
pn <- round(runif(k, 500, 1500))
px <- rnbinom(k, size = 2, mu = 0.004 * pn)
pn2 <- round(runif(k, 500, 1500))
px2 <- rpois(k, 0.004 * pn2)
phi_of <- function(x, n) max(1, summary(glm(x ~ 1 + offset(log(n)), family = quasipoisson))$dispersion)
cat("static const uint64_t ref_phi_x[] = {", paste(px, collapse = ", "), "};\n")
cat("static const uint64_t ref_phi_n[] = {", paste(pn, collapse = ", "), "};\n")
cat("static const double ref_phi_want =", g(phi_of(px, pn)), ";\n")
cat("static const uint64_t ref_phi_x2[] = {", paste(px2, collapse = ", "), "};\n")
cat("static const uint64_t ref_phi_n2[] = {", paste(pn2, collapse = ", "), "};\n")
cat("static const double ref_phi_want2 =", g(phi_of(px2, pn2)), ";\n")

cat("\n/* surveillance::algo.glrnb, Poisson CUSUM, theta = log(2), h = 4, restart after alarm */\n")
T <- 40
cn <- round(runif(T, 800, 1200))
mu0 <- 0.003 * cn
cx <- rpois(T, mu0)
cx[25:30] <- cx[25:30] + c(3, 4, 5, 4, 6, 5)
r <- algo.glrnb(sts2disProg(sts(observed = matrix(cx, ncol = 1))),
                control = list(range = 1:T, c.ARL = 4, mu0 = mu0, alpha = 0, Mtilde = 1, M = -1,
                               change = "intercept", theta = log(2), dir = "inc", ret = "value"))
S <- 0; hand <- numeric(T)
for (t in 1:T) { S <- max(0, S + log(2) * cx[t] - mu0[t]); hand[t] <- S; if (S > 4) S <- 0 }
stopifnot(isTRUE(all.equal(hand, as.numeric(r$upperbound[, 1]))))
cat("static const uint64_t ref_cusum_x[] = {", paste(cx, collapse = ", "), "};\n")
cat("static const double ref_cusum_mu0[] = {", paste(g(mu0), collapse = ", "), "};\n")
cat("static const double ref_cusum_s[] = {", paste(g(r$upperbound[, 1]), collapse = ", "), "};\n")
cat("static const int ref_cusum_alarm[] = {", paste(as.integer(r$alarm[, 1]), collapse = ", "), "};\n")

cat("\n/* Spiegelhalter's interpolated exact binomial limit: {n, theta, p, want} */\n")
cat("static const struct ref_funnel ref_funnel[] = {\n")
flim <- function(n, th, p) {
  r <- qbinom(p, n, th)
  a <- (pbinom(r, n, th) - p) / dbinom(r, n, th)
  max(0, (r - a) / n)
}
for (n in c(10, 90, 250, 1000, 5000)) for (p in c(0.975, 0.999, 0.025, 0.001))
  cat(sprintf("    {%d, %s, %s, %s},\n", n, g(0.003), g(p), g(flim(n, 0.003, p))))
for (p in c(0.975, 0.999)) cat(sprintf("    {%d, %s, %s, %s},\n", 400, g(0.05), g(p), g(flim(400, 0.05, p))))
cat("};\n")

cat("\n/* FunnelPlotR-style winsorised over-dispersion of 30 premises */\n")
I <- 30
fn <- round(runif(I, 50, 3000))
fx <- rbinom(I, fn, rbeta(I, 6, 1500))
th <- sum(fx) / sum(fn)
z <- (asin(sqrt(fx / fn)) - asin(sqrt(th))) * 2 * sqrt(fn)
q <- quantile(z, c(0.1, 0.9))
zw <- pmin(pmax(z, q[1]), q[2])
phi <- sum(zw^2) / I
w <- 4 * fn
tau2 <- max(0, (I * phi - (I - 1)) / (sum(w) - sum(w^2) / sum(w)))
cat("static const uint64_t ref_disp_x[] = {", paste(fx, collapse = ", "), "};\n")
cat("static const uint64_t ref_disp_n[] = {", paste(fn, collapse = ", "), "};\n")
cat("static const double ref_disp_theta =", g(th), ";\n")
cat("static const double ref_disp_phi =", g(phi), ";\n")
cat("static const double ref_disp_tau2 =", g(tau2), ";\n")
adj <- function(n, p) sin(asin(sqrt(th)) + qnorm(p) * sqrt(1 / (4 * n) + tau2))^2
cat("static const double ref_disp_adj_1000_999 =", g(adj(1000, 0.999)), ";\n")
cat("static const double ref_disp_adj_200_975 =", g(adj(200, 0.975)), ";\n")

cat("\n/* PRR, ROR (95% CI) and chisq.test with Yates: {a, b, c, d, prr, lo, hi, ror, lo, hi, chi2} */\n")
cat("static const struct ref_disprop ref_disprop[] = {\n")
D <- list(c(5, 20, 30, 900), c(3, 40, 60, 2000), c(12, 10, 100, 3000), c(2, 50, 40, 1000),
          c(50, 400, 500, 4000), c(6, 2, 0, 448), c(4, 0, 30, 900))
for (d in D) {
  chi <- suppressWarnings(chisq.test(matrix(c(d[1], d[3], d[2], d[4]), 2), correct = TRUE)$statistic)
  if (any(d[2:4] == 0)) d <- d + 0.5
  a <- d[1]; b <- d[2]; c <- d[3]; dd <- d[4]
  prr <- (a / (a + b)) / (c / (c + dd)); sp <- sqrt(1/a - 1/(a + b) + 1/c - 1/(c + dd))
  ror <- (a * dd) / (b * c); so <- sqrt(1/a + 1/b + 1/c + 1/dd)
  z <- qnorm(0.975)
  k <- if (a %% 1 == 0.5) 0.5 else 0
  cat(sprintf("    {%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s},\n", a - k, b - k, c - k, dd - k, g(prr),
              g(exp(log(prr) - z * sp)), g(exp(log(prr) + z * sp)), g(ror),
              g(exp(log(ror) - z * so)), g(exp(log(ror) + z * so)), g(unname(chi))))
}
cat("};\n")
