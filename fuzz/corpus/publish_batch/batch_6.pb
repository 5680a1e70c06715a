`

evt-000001
bank-rails ´Ğê¶·3*	acct-00122	acct-00368áBEURbDE‚10.17.163.94Š
dev-e2bc7a`

evt-000002
card-acq-1 øæê¶·3*	acct-00132
merch-01088è‹BCNYbCN‚10.37.64.31Š
dev-d6bfec`

evt-000003
bank-rails ‰“ì¶·3*	acct-00352	bene-00878¦ËBCNYbCN‚10.114.73.54Š
dev-91b895M

evt-000006
card-acq-1 ÌÂí¶·3*	acct-0005bDE‚10.38.241.195Š
dev-a0318bs

evt-000008
bank-rails ¨‚ğ¶·3*	acct-00072
merch-00238„¸BCNYbCN‚10.99.47.172Š
dev-23fb86’
labelresenda

evt-000012
bank-rails ş»÷¶·3*	acct-00242
merch-00788‡œBUSDbUS‚10.166.86.51Š
dev-72fbb9