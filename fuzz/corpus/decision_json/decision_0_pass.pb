
bank-rails/evt-000001
evt-000001
bank-rails"	acct-0012(0´Ğê¶·3:@R3f2aZ
velocityabc