"""Booking: sites, activities, sessions, bookings, waiting lists, attendance, calendars."""
