"""The Streamlit web app, run by streamlit_app.py's st.navigation.

pages/ holds one script per page (its file name is its URL); beside it are
what pages share: auth (who is looking), data (every read and change, by
feature), filters (the sidebar), components and ownership (UI pieces).
"""
