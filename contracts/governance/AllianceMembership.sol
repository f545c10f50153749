// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721Votes} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721Votes.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

/// @title AllianceMembership
/// @notice One non-transferable vote per alliance member (grid operator, aggregators, auditors,
/// 000's alliance). Members are admitted and expelled only by the owner, which after deployment
/// is the alliance's TimelockController: membership itself changes only by alliance vote.
/// @dev ERC721Votes on a timestamp clock (ERC-6372 `mode=timestamp`), so the governor's delays and
/// periods are seconds on any chain. Token id = the member's address; each member delegates to
/// itself on admission, so its vote counts from the next second without a delegate transaction.
contract AllianceMembership is ERC721, EIP712, ERC721Votes, Ownable {
    /// @notice Membership cannot be transferred, only admitted or expelled.
    error AllianceMembershipNotTransferable(uint256 tokenId);
    /// @notice `account` is already a member.
    error AllianceAlreadyMember(address account);
    /// @notice `account` is not a member.
    error AllianceNotMember(address account);

    /// @notice `member` joined the alliance.
    event MemberAdmitted(address indexed member);
    /// @notice `member` left the alliance.
    event MemberExpelled(address indexed member);

    /// @param owner_ Admits the founding members, then hands ownership to the timelock.
    constructor(
        address owner_
    ) ERC721("GridLedger Alliance", "GLA") EIP712("GridLedger Alliance", "1") Ownable(owner_) {}

    /// @notice Admits `member` with one vote, self-delegated.
    /// @param member The new member's account.
    function admit(address member) external onlyOwner {
        uint256 id = uint256(uint160(member));
        if (_ownerOf(id) != address(0)) revert AllianceAlreadyMember(member);
        _safeMint(member, id);
        _delegate(member, member);
        emit MemberAdmitted(member);
    }

    /// @notice Expels `member`; its vote stops counting for proposals created afterwards.
    /// @param member The member to expel.
    function expel(address member) external onlyOwner {
        uint256 id = uint256(uint160(member));
        if (_ownerOf(id) == address(0)) revert AllianceNotMember(member);
        _burn(id);
        emit MemberExpelled(member);
    }

    /// @notice Whether `account` is a member now.
    /// @param account The account to check.
    function isMember(address account) external view returns (bool) {
        return _ownerOf(uint256(uint160(account))) != address(0);
    }

    /// @notice The vote clock: block timestamps (seconds), so delays read the same on every chain.
    function clock() public view override returns (uint48) {
        return Time.timestamp();
    }

    /// @notice ERC-6372 description of the clock.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    /// @dev Mint and burn only: a member cannot sell or lend its vote.
    function _update(
        address to,
        uint256 tokenId,
        address auth
    ) internal override(ERC721, ERC721Votes) returns (address) {
        address from = _ownerOf(tokenId);
        if (from != address(0) && to != address(0)) {
            revert AllianceMembershipNotTransferable(tokenId);
        }
        return super._update(to, tokenId, auth);
    }

    /// @dev ERC721 and ERC721Votes both track balances.
    function _increaseBalance(
        address account,
        uint128 value
    ) internal override(ERC721, ERC721Votes) {
        super._increaseBalance(account, value);
    }
}
