`

evt-000003
bank-rails ‰“ì¶·3*	acct-00352	bene-00878¦ËBCNYbCN‚10.114.73.54Š
dev-91b895`

evt-000003
bank-rails ‰“ì¶·3*	acct-00352	bene-00878¦ËBCNYbCN‚10.114.73.54Š
dev-91b895