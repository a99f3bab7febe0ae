//! The in-memory store's posts, and the authors the blog checks.

use async_trait::async_trait;

use super::{InMemoryStore, StoreState};
use crate::user::{PublicUser, UserId};
use crate::{
    Authors, NewPost, Page, Post, PostChanges, PostId, PostRepository, PostVersion, PostWithAuthor,
    StoreError,
};

#[async_trait]
impl PostRepository for InMemoryStore {
    async fn create(&self, post: NewPost) -> Result<Post, StoreError> {
        let mut state = self.state();
        if !state.users.contains_key(&post.user_id) {
            return Err(StoreError::AccountGone);
        }
        state.last_post_id += 1;
        let stored = Post {
            id: PostId(state.last_post_id),
            title: post.title.into_inner(),
            content: post.content.into_inner(),
            user_id: post.user_id,
            date_posted: post.date_posted,
            revision: 0,
        };
        state.posts.insert(stored.id, stored.clone());
        Ok(stored)
    }

    async fn by_id(&self, id: PostId) -> Result<Option<PostWithAuthor>, StoreError> {
        let state = self.state();
        Ok(state
            .posts
            .get(&id)
            .and_then(|post| with_author(&state, post)))
    }

    async fn list(
        &self,
        author: Option<UserId>,
        page: Page,
    ) -> Result<Vec<PostWithAuthor>, StoreError> {
        let state = self.state();
        let mut posts: Vec<&Post> = state
            .posts
            .values()
            .filter(|p| author.is_none_or(|a| p.user_id == a))
            .collect();
        posts.sort_by_key(|p| std::cmp::Reverse((p.date_posted, p.id)));
        let skip = usize::try_from(page.skip()).unwrap_or(usize::MAX);
        let limit = usize::try_from(page.limit()).unwrap_or(usize::MAX);
        Ok(posts
            .into_iter()
            .skip(skip)
            .take(limit)
            .filter_map(|p| with_author(&state, p))
            .collect())
    }

    async fn list_versions(
        &self,
        author: Option<UserId>,
        page: Page,
    ) -> Result<Vec<PostVersion>, StoreError> {
        Ok(self
            .list(author, page)
            .await?
            .iter()
            .map(PostWithAuthor::version)
            .collect())
    }

    async fn update(&self, id: PostId, changes: PostChanges) -> Result<Option<Post>, StoreError> {
        let mut state = self.state();
        let Some(post) = state.posts.get_mut(&id) else {
            return Ok(None);
        };
        if let Some(title) = changes.title {
            post.title = title.into_inner();
        }
        if let Some(content) = changes.content {
            post.content = content.into_inner();
        }
        post.revision += 1;
        Ok(Some(post.clone()))
    }

    async fn delete(&self, id: PostId) -> Result<bool, StoreError> {
        Ok(self.state().posts.remove(&id).is_some())
    }
}

#[async_trait]
impl Authors for InMemoryStore {
    async fn author_exists(&self, id: UserId) -> Result<bool, StoreError> {
        Ok(self.state().users.contains_key(&id))
    }
}

fn with_author(state: &StoreState, post: &Post) -> Option<PostWithAuthor> {
    let author = state.users.get(&post.user_id)?;
    Some(PostWithAuthor {
        post: post.clone(),
        author: PublicUser::from(author),
    })
}
