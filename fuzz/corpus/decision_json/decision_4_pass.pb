
bank-rails/evt-000008
evt-000008
bank-rails"	acct-0007(0¨‚ğ¶·3:@R3f2aZ
velocityabc