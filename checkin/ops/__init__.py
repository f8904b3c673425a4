"""Running checkin: the outbox and inbox, events and heartbeat, the Operations page's figures and charts, deploys, backups, retention, privacy, the demo workspace."""
