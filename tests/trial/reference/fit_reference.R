# Known answers for the trial's estimators, fitted in R on the committed datasets.
#
#   Rscript fit_reference.R > r_output.txt
#
# schools.csv: 80 schools of the project's school-level simulation (mash_demo.synthetic,
# population seed 2024, trial seed 77, planted rate ratio 0.8; some schools given 3-6
# months of exposure, and trial counts redrawn with gamma(1.5) mixing so that the negative
# binomial's dispersion is well away from zero). panel.csv: 30 schools x 8 months, intervention on even URNs from month 5.
# Run with R 4.2.2, sandwich 3.0-2, MASS 7.3-58.2, estimatr 1.0.0 (Debian bookworm).
suppressPackageStartupMessages({
  library(sandwich)
  library(MASS)
  library(estimatr)
})
options(digits = 10)

schools <- read.csv("schools.csv")
schools$stratum <- factor(schools$stratum)
schools$log_baseline <- log1p(schools$phone_contacts_baseline)
schools$pupils100 <- schools$pupils / 100
schools$rate <- schools$phone_contacts / schools$exposure
schools$baseline_rate <- schools$phone_contacts_baseline / schools$baseline_months

show <- function(label, estimate, std_error, extra = "") {
  cat(sprintf("%s estimate %.10g std_error %.10g%s\n", label, estimate, std_error, extra))
}

poisson <- glm(
  phone_contacts ~ treated + log_baseline + pupils100 + pct_fsm + stratum,
  family = poisson, offset = log(exposure), data = schools
)
show("poisson_qmle_hc2", coef(poisson)[["treated"]],
     sqrt(vcovHC(poisson, type = "HC2")["treated", "treated"]))

nb <- glm.nb(
  phone_contacts ~ treated + log_baseline + pupils100 + pct_fsm + stratum + offset(log(exposure)),
  data = schools
)
show("negative_binomial", coef(nb)[["treated"]], sqrt(vcov(nb)["treated", "treated"]),
     sprintf(" dispersion_alpha %.10g", 1 / nb$theta))

ancova <- lm_robust(
  rate ~ treated + baseline_rate + pupils100 + pct_fsm + stratum,
  data = schools, se_type = "HC2"
)
show("ols_ancova_hc2", coef(ancova)[["treated"]], ancova$std.error[["treated"]])

panel <- read.csv("panel.csv")
panel$active <- panel$treated * panel$trial_period
twfe <- lm(phone_contacts ~ active + factor(school_urn) + factor(month_start), data = panel)
show("did_two_way_fe_clustered", coef(twfe)[["active"]],
     sqrt(vcovCL(twfe, cluster = ~school_urn, type = "HC1")["active", "active"]))
