`

evt-000001
bank-rails ¥–Í∂∑3*	acct-00122	acct-00368è·BEURbDEÇ10.17.163.94ä
dev-e2bc7a