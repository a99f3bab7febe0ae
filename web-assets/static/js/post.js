// Single post page: Edit and Delete for the post's author.

import { getCurrentUser } from "./auth.js";
import { redirectToLogin, request } from "./api.js";
import { busy, openDialog, setMessage, submitButton } from "./ui.js";

const article = document.getElementById("post");

if (article) {
  const postId = article.dataset.postId;
  const authorId = Number(article.dataset.authorId);
  const apiUrl = `/api/posts/${encodeURIComponent(postId)}`;
  const actions = document.getElementById("post-owner-actions");
  const titleElement = document.getElementById("post-title");
  const contentElement = document.getElementById("post-content");

  const editDialog = document.getElementById("edit-post-dialog");
  const editForm = document.getElementById("edit-post-form");
  const editError = document.getElementById("edit-post-error");
  const deleteDialog = document.getElementById("delete-post-dialog");
  const deleteForm = document.getElementById("delete-post-form");
  const deleteError = document.getElementById("delete-post-error");

  getCurrentUser().then((user) => {
    actions.hidden = !(user && Number(user.id) === authorId);
    article.dataset.ownerChecked = "true";
  });

  document.getElementById("edit-post-button").addEventListener("click", () => {
    editForm.elements.title.value = titleElement.textContent;
    editForm.elements.content.value = contentElement.textContent;
    openDialog(editDialog);
  });

  editForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    setMessage(editError, "");
    const title = editForm.elements.title.value.trim();
    const content = editForm.elements.content.value;
    if (!title || !content.trim()) {
      setMessage(editError, "Please enter a title and some content.");
      return;
    }
    const result = await busy(submitButton(editForm), () =>
      request(apiUrl, { method: "PUT", json: { title, content }, auth: true }),
    );
    if (result.status === 401) {
      redirectToLogin();
      return;
    }
    if (!result.ok) {
      setMessage(editError, result.message);
      return;
    }
    const oldTitle = titleElement.textContent;
    titleElement.textContent = result.data.title;
    contentElement.textContent = result.data.content;
    if (oldTitle && document.title.includes(oldTitle)) {
      document.title = document.title.replace(oldTitle, result.data.title);
    }
    editDialog.close();
    titleElement.setAttribute("tabindex", "-1");
    titleElement.focus();
  });

  document.getElementById("delete-post-button").addEventListener("click", () => {
    openDialog(deleteDialog);
  });

  deleteForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    setMessage(deleteError, "");
    const result = await busy(submitButton(deleteForm), () =>
      request(apiUrl, { method: "DELETE", auth: true }),
    );
    if (result.status === 401) {
      redirectToLogin();
      return;
    }
    if (!result.ok) {
      setMessage(deleteError, result.message);
      return;
    }
    window.location.assign("/");
  });
}
